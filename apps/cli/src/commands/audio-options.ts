import {
  AudioClient,
  AudioDevice,
  AudioSource,
  FfmpegAudioSource,
  FfmpegSpeakerSink,
  Session,
  toneSource,
  WavFileSink,
} from '@sapora/client';
import { AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE } from '@sapora/protocol';
import { UsageError } from './common-options';

export const AUDIO_OPTIONS = {
  audio: { type: 'boolean' },
  'audio-in': { type: 'string' },
  'audio-out': { type: 'string' },
  'audio-port': { type: 'string' },
  'audio-device': { type: 'string' },
} as const;

export const AUDIO_HELP = `Audio (needs the audio service, UDP 6001, and ffmpeg for devices and files):
      --audio               talk and listen: microphone and speakers through ffmpeg
      --audio-in SOURCE     what to send: tone:440 (a sine at 440 Hz) or a sound file
      --audio-out FILE.wav  record what you hear to a WAV file (16-bit mono 44.1 kHz)
      --audio-port PORT     the audio service's port (default 6001, on the --server host)
      --audio-device NAME   pulse (default) or alsa`;

export interface AudioValues {
  audio?: boolean;
  'audio-in'?: string;
  'audio-out'?: string;
  'audio-port'?: string;
  'audio-device'?: string;
}

export function wantsAudio(values: AudioValues): boolean {
  return (
    values.audio === true || values['audio-in'] !== undefined || values['audio-out'] !== undefined
  );
}

function parseSource(spec: string): AudioSource {
  const tone = /^tone:(\d+(?:\.\d+)?)$/.exec(spec);
  if (tone !== null) return toneSource(Number(tone[1]), AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES);
  return FfmpegAudioSource.file(spec, AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES);
}

/** Starts audio for a joined session as the flags ask; returns a function that stops it all. */
export async function startAudio(session: Session, values: AudioValues): Promise<() => void> {
  const device = (values['audio-device'] ?? 'pulse') as AudioDevice;
  if (device !== 'pulse' && device !== 'alsa')
    throw new UsageError('--audio-device must be pulse or alsa');
  const port = values['audio-port'] === undefined ? undefined : Number(values['audio-port']);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
    throw new UsageError('--audio-port must be a port number');
  const audio = new AudioClient({ session, port });
  await audio.start();
  const closers: Array<() => void> = [];

  const input =
    values['audio-in'] !== undefined
      ? parseSource(values['audio-in'])
      : values.audio
        ? FfmpegAudioSource.microphone(device, AUDIO_SAMPLE_RATE, AUDIO_FRAME_SAMPLES)
        : null;
  if (input !== null) audio.startStreaming(input);

  if (values['audio-out'] !== undefined) {
    const recorder = new WavFileSink(values['audio-out'], AUDIO_SAMPLE_RATE);
    audio.on('frame', (frame) => recorder.write(frame));
    closers.push(() => recorder.close());
  }
  if (values.audio) {
    const speakers = new FfmpegSpeakerSink(device, AUDIO_SAMPLE_RATE);
    audio.on('frame', (frame) => speakers.write(frame));
    closers.push(() => speakers.close());
  }
  if (values['audio-out'] !== undefined || values.audio) audio.startReceiving();
  return () => {
    audio.close();
    closers.forEach((close) => close());
  };
}
