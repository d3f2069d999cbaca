// A recorder: joins a meeting where everyone can see it, says so in the chat, and writes the
// room's mix to INTO/meeting.wav and the chat to INTO/transcript.txt until Ctrl-C (or SIGTERM,
// or --seconds). It sends no audio, so it hears everyone.
//   node recorder.cjs --server HOST[:PORT] [--meeting ID] [--into DIR] [--seconds N]
const { appendFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { AudioClient, Session, WavFileSink } = require('@sapora/client');

async function main() {
  const { values } = parseArgs({
    options: {
      server: { type: 'string' },
      meeting: { type: 'string', default: 'default' },
      into: { type: 'string', default: '.' },
      seconds: { type: 'string' },
    },
  });
  if (values.server === undefined) {
    console.error(
      'usage: node recorder.cjs --server HOST[:PORT] [--meeting ID] [--into DIR] [--seconds N]',
    );
    process.exit(64);
  }
  const [host, port = '5000'] = values.server.split(':');
  mkdirSync(values.into, { recursive: true });
  const transcript = join(values.into, 'transcript.txt');

  const session = new Session({
    host,
    port: Number(port),
    username: 'recorder',
    meetingId: values.meeting,
    media: ['audio'],
  });
  await session.connect();
  const audio = new AudioClient({ session });
  const wav = new WavFileSink(join(values.into, 'meeting.wav'), audio.sampleRate);
  await audio.start();
  audio.startReceiving((frame) => wav.write(frame));
  const line = (from, text) =>
    appendFileSync(transcript, `${new Date().toISOString().slice(11, 19)} ${from}: ${text}\n`);
  session.on('chat', (message) =>
    line(message.private ? `${message.from} (private)` : message.from, message.text),
  );
  for (const message of session.history) line(message.from, message.text);
  await session.sendChat('all', 'this meeting is being recorded');
  console.log(`recording "${session.meetingId}" into ${values.into}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    audio.close();
    wav.close();
    await session.leave();
    console.log(`stopped: ${(wav.samplesWritten / audio.sampleRate).toFixed(1)} s of sound`);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stop());
  if (values.seconds !== undefined) setTimeout(() => void stop(), Number(values.seconds) * 1000);
}

main().catch((error) => {
  console.error(`recorder: ${error.message}`);
  process.exit(1);
});
