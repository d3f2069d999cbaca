import { SaporaError } from '@sapora/client';
import { GATEWAY_ERROR_CODES } from '@sapora/protocol';

/** A refusal the tab is told about in an `error` event: a code, words, and the field if any. */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** Which login field a refused join is about, from the server's code and words. */
function joinField(error: SaporaError): string | undefined {
  if (error.codeName === 'UsernameTaken') return 'name';
  if (error.codeName === 'WrongPasscode') return 'passcode';
  if (/^(username|name)\b/i.test(error.message)) return 'name';
  if (/^meeting/i.test(error.message)) return 'meeting';
  if (/^passcode/i.test(error.message)) return 'passcode';
  return undefined;
}

/**
 * What the tab is told for an error while talking to a service: the service's code and words
 * when it answered, Unreachable when it could not be reached.
 */
export function toGatewayError(error: unknown, about: 'join' | 'other' = 'other'): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof SaporaError)
    return new GatewayError(
      error.codeName,
      error.message,
      about === 'join' ? joinField(error) : undefined,
    );
  const message = error instanceof Error ? error.message : String(error);
  if (/^cannot reach|^no answer|closed the connection/.test(message))
    return new GatewayError(
      GATEWAY_ERROR_CODES.Unreachable,
      message,
      about === 'join' ? 'server' : undefined,
    );
  return new GatewayError('Internal', message);
}
