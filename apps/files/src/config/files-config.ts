import { IsInt, IsIP, IsString, Max, Min, MinLength } from 'class-validator';
import { DEFAULT_PORTS, INCOMPLETE_FRAME_TIMEOUT_MS } from '@sapora/protocol';
import { CommonConfig } from '@sapora/service-kit';

/** The file service's environment variables. */
export class FilesConfig extends CommonConfig {
  @IsIP(undefined, { message: 'must be an IP address to listen on, e.g. 0.0.0.0' })
  FILES_HOST: string = '0.0.0.0';

  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  FILES_PORT: number = DEFAULT_PORTS.files;

  /** Where files are kept, each under a server-made id. */
  @IsString()
  @MinLength(1)
  FILES_DIR: string = './data/files';

  /** Largest file accepted, in bytes (100 MB by default, the seed's). */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1)
  FILES_MAX_BYTES: number = 100 * 1024 * 1024;

  /** Files are deleted this long after they were sent (24 h by default), or when their room closes. */
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  FILES_RETENTION_MS: number = 24 * 60 * 60 * 1000;

  /** An interrupted upload can be resumed for this long after its last byte (15 min by default). */
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  FILES_RESUME_MS: number = 15 * 60 * 1000;

  @IsInt()
  @Min(100)
  INCOMPLETE_FRAME_TIMEOUT_MS: number = INCOMPLETE_FRAME_TIMEOUT_MS;
}
