// One error type for every simulated service; each protocol module renders it in its own wire shape.

/** An error as an AWS service reports it: a code (the SDK's `err.name`), a message and an HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}
