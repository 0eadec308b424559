/** What both wire protocols offer the client: one model-method call with named arguments. */
export interface CallParams {
  /** Record ids for record methods (write, unlink, read, action_*); absent for model methods. */
  ids?: number[];
  /** Named arguments of the method (domain, fields, vals_list …). */
  kwargs?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

export type Protocol = 'json2' | 'xmlrpc';

export interface Transport {
  readonly protocol: Protocol;
  execute(model: string, method: string, params: CallParams): Promise<unknown>;
}
