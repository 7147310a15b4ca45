// The JSON shapes served by the SparkMonitor Go server (spark/api/API.md). They are generated from the Go types of
// spark/api/wire into wire.gen.ts (`go generate ./spark/api/wire`): change them there, not here.
export * from './wire.gen';

/** The error envelope of every endpoint. */
export interface ErrorEnvelope {
  status: 'error';
  errorType:
    | 'not_found'
    | 'bad_request'
    | 'unauthorized'
    | 'forbidden'
    | 'conflict'
    | 'unavailable'
    | 'internal';
  error: string;
}

/** The success envelope of the REST endpoints. */
export interface SuccessEnvelope<T> {
  status: 'success';
  data: T;
}
