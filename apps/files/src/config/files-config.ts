import { IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';
import { DEFAULT_PORTS } from '@sapora/protocol';
import { IsListenHost, IsListenPort, IsMilliseconds, TcpServiceConfig } from '@sapora/service-kit';

/** The file service's environment variables. */
export class FilesConfig extends TcpServiceConfig {
  @IsListenHost()
  FILES_HOST: string = '0.0.0.0';

  @IsListenPort()
  FILES_PORT: number = DEFAULT_PORTS.files;

  /** Where clients reach this node, when not where it binds (another host's address, NAT). */
  @IsOptional()
  @IsString()
  FILES_PUBLIC_HOST?: string;

  @IsOptional()
  @IsListenPort()
  FILES_PUBLIC_PORT?: number;

  /** Most participants this node takes over all its rooms; control places no more on it. */
  @IsInt()
  @Min(1)
  FILES_CAPACITY: number = 1000;

  /** Where files are kept, each under a server-made id. */
  @IsString()
  @MinLength(1)
  FILES_DIR: string = './data/files';

  /** Largest file accepted, in bytes (100 MB by default, the seed's). */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1)
  FILES_MAX_BYTES: number = 100 * 1024 * 1024;

  /** Files are deleted this long after they were sent (24 h by default), or when their room closes. */
  @IsMilliseconds(100)
  FILES_RETENTION_MS: number = 24 * 60 * 60 * 1000;

  /** An interrupted upload can be resumed for this long after its last byte (15 min by default). */
  @IsMilliseconds(100)
  FILES_RESUME_MS: number = 15 * 60 * 1000;

  /** An upload that sends no bytes for this long is cut off (it stays resumable). */
  @IsMilliseconds(100)
  FILES_UPLOAD_IDLE_MS: number = 30_000;

  /** Interrupted uploads one participant may hold at once, waiting to be resumed. */
  @IsInt()
  @Min(1)
  FILES_MAX_PARTS_PER_SESSION: number = 3;

  /** Bytes all interrupted uploads together may hold, announced sizes counted (1 GiB by default). */
  @IsInt({ message: 'must be a whole number of bytes' })
  @Min(1)
  FILES_PARTS_MAX_BYTES: number = 1024 * 1024 * 1024;
}
