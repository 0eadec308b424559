/** The real OpenSSH server of the SFTP tests (and of the supplier-sftp benchmark). */
export { startSshd, SSHD, type Sshd } from '../../sandbox/sftp/sshd';
