// The request and response as the service handlers see them, independent of node:http.

import type { IncomingHttpHeaders } from 'node:http';
import type { SimCall } from './scenario.js';

export interface SimRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a service handler returns: the response to send and the call-log entry that describes it. */
export interface HandledRequest {
  response: SimResponse;
  call: SimCall;
}
