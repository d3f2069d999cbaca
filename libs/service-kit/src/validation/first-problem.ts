import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * The first problem class-validator finds with a payload, as the text to answer with, or null
 * when it is fine. The first decorator listed on a property is checked first.
 */
export function firstProblem(dtoClass: new () => object, payload: object): string | null {
  const errors = validateSync(plainToInstance(dtoClass, payload), { stopAtFirstError: true });
  if (errors.length === 0) return null;
  return Object.values(errors[0].constraints ?? {})[0] ?? `invalid ${errors[0].property}`;
}
