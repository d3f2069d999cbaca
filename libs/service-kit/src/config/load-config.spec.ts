import { IsInt, Min } from 'class-validator';
import { CommonConfig } from './common-config';
import { ConfigError, loadConfig } from './load-config';

class ExampleConfig extends CommonConfig {
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  EXAMPLE_PORT: number = 5000;
}

describe('loadConfig', () => {
  it('keeps defaults for unset variables and converts set ones to their types', () => {
    expect(loadConfig(ExampleConfig, {})).toMatchObject({
      EXAMPLE_PORT: 5000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'info',
    });
    expect(loadConfig(ExampleConfig, { EXAMPLE_PORT: '7000', LOG_LEVEL: 'debug' })).toMatchObject({
      EXAMPLE_PORT: 7000,
      LOG_LEVEL: 'debug',
    });
  });

  it('names every wrong variable, with the value it had and why', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(ExampleConfig, {
        EXAMPLE_PORT: 'many',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'localhost',
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      expect.stringMatching(/^EXAMPLE_PORT \("many"\): .*must be a whole number/),
      'REDIS_URL ("localhost"): must be a redis:// URL, e.g. redis://127.0.0.1:6379',
      'LOG_LEVEL ("loud"): must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(error!.message).toMatch(/^invalid configuration:\n {2}EXAMPLE_PORT/);
  });
});
