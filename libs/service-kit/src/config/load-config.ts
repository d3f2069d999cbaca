import 'reflect-metadata';
import { plainToInstance, ClassConstructor } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

/** Raised at start when an environment variable is missing or wrong; names each one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function describe(errors: ValidationError[], env: Record<string, string | undefined>): string[] {
  return errors.map((error) => {
    const raw = env[error.property];
    const shown = raw === undefined ? 'unset' : `"${raw}"`;
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    return `${error.property} (${shown}): ${reasons}`;
  });
}

/**
 * Reads a config class from environment variables: each property is the variable of the
 * same name, converted to the property's type, validated by its class-validator decorators.
 * Unset variables keep the class's defaults.
 */
export function loadConfig<T extends object>(
  configClass: ClassConstructor<T>,
  env: Record<string, string | undefined> = process.env,
): T {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const config = plainToInstance(configClass, defined, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigError(describe(errors, env));
  return config;
}
