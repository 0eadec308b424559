export { IntakeStore, acquireStore, releaseStore, statusOf } from './store';
export type { UploadRecord, UploadState, UploadStatus, AcceptInput } from './store';
export { outcomeOf } from './outcome';
export type { OutcomeEvent, LineOutcome, LineState } from './outcome';
export { handleUpload, handleStatus, requestBase } from './http';
export type { IntakeRoute } from './http';
export { parseIntakeOptions, uploadPath } from './options';
export type { IntakeOptions } from './options';
export { checkToken, tokenList, presentedToken, defaultTokenEnv } from './tokens';
