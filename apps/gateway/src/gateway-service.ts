import { NestExpressApplication } from '@nestjs/platform-express';
import { defineService, Logger } from '@sapora/service-kit';
import { GatewayConfig } from './config/gateway-config';
import { HealthController } from './http/health.controller';
import { ServerDirectory } from './servers/server-directory';
import { TabErrorFilter } from './socket/tab-error.filter';
import { TabGateway } from './socket/tab.gateway';
import { TabSocketAdapter } from './socket/tab-socket-adapter';
import { FileSpool } from './tabs/file-spool';
import { loadGatewayCertificate } from './tls/gateway-certificate';

/** The certificate to serve, logged with its fingerprint so people can check what they accept. */
async function gatewayTls(
  config: GatewayConfig,
  logger: Logger,
): Promise<{ key: string; cert: string } | null> {
  if (config.GATEWAY_TLS === 'off') return null;
  const certificate = await loadGatewayCertificate({
    certPath: config.GATEWAY_TLS_CERT,
    keyPath: config.GATEWAY_TLS_KEY,
    dir: config.GATEWAY_TLS_DIR,
  });
  const kept =
    certificate.source === 'given'
      ? ''
      : ` (self-signed, ${certificate.source === 'made' ? 'made now' : 'kept'} in ${config.GATEWAY_TLS_DIR})`;
  logger.info(
    {
      sha256: certificate.fingerprint256,
      source: certificate.source,
      validTo: certificate.validTo.toISOString(),
    },
    `gateway TLS certificate SHA-256 fingerprint ${certificate.fingerprint256}${kept}`,
  );
  return { key: certificate.key, cert: certificate.cert };
}

/**
 * Gateway (TCP 5555, HTTPS + WebSocket): serves the web app and is each browser tab's Sapora
 * client. It needs no Redis: to the services it is a set of ordinary participants.
 */
export const gatewayService = defineService({
  name: 'gateway',
  config: GatewayConfig,
  edge: {
    http: {
      listen: (config) => ({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT }),
      tls: gatewayTls,
      configure: (app, config) => {
        // The built page; index.html at "/".
        (app as NestExpressApplication).useStaticAssets(config.GATEWAY_WEB_ROOT, { maxAge: 0 });
        app.useWebSocketAdapter(new TabSocketAdapter(app, config.GATEWAY_MAX_MESSAGE_BYTES));
      },
    },
  },
  controllers: [HealthController],
  providers: () => [ServerDirectory, FileSpool, TabErrorFilter, TabGateway],
});
