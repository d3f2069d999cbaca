import { Controller, Get } from '@nestjs/common';
import { request } from 'node:https';
import pino from 'pino';
import { generate } from 'selfsigned';
import { CommonConfig } from '../config/common-config';
import { defineService } from './define-service';
import { HttpEdge } from './http-edge';

@Controller('hello')
class HelloController {
  @Get()
  hello(): { hello: string } {
    return { hello: 'world' };
  }
}

const silent = pino({ level: 'silent' });

function httpsGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('an HTTP edge on the service shell', () => {
  it('serves the controllers over HTTP on the port asked for, and stops at close', async () => {
    const service = defineService({
      name: 'hello',
      config: CommonConfig,
      edge: { http: { listen: () => ({ host: '127.0.0.1', port: 0 }) } },
      controllers: [HelloController],
    });
    const running = await service.start({}, { logger: silent });
    const edge = running.app.get(HttpEdge);
    const url = edge.url;
    expect(url).toBe(`http://127.0.0.1:${running.address.port}/`);
    expect(await (await fetch(`${url}hello`)).json()).toEqual({ hello: 'world' });
    await running.close();
    expect(edge.listening).toBe(false);
    await expect(fetch(`${url}hello`)).rejects.toThrow();
  });

  it('serves HTTPS with the certificate its tls function gives', async () => {
    const pair = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec' });
    const service = defineService({
      name: 'hello-tls',
      config: CommonConfig,
      edge: {
        http: {
          listen: () => ({ host: '127.0.0.1', port: 0 }),
          tls: () => Promise.resolve({ key: pair.private, cert: pair.cert }),
        },
      },
      controllers: [HelloController],
    });
    const running = await service.start({}, { logger: silent });
    const url = running.app.get(HttpEdge).url;
    expect(url).toMatch(/^https:\/\//);
    expect(JSON.parse(await httpsGet(`${url}hello`))).toEqual({ hello: 'world' });
    await running.close();
  });

  it('is refused with Redis events, which no HTTP service hears', () => {
    expect(() =>
      defineService({
        name: 'confused',
        config: CommonConfig,
        events: true,
        edge: { http: { listen: () => ({ host: '127.0.0.1', port: 0 }) } },
      }),
    ).toThrow('confused: an HTTP service hears no Redis events');
  });
});
