/** Audio: 16-bit signed PCM, little-endian, mono, 44.1 kHz (the seed's format). */
export const AUDIO_SAMPLE_RATE = 44_100;
export const AUDIO_CHANNELS = 1;
export const AUDIO_BYTES_PER_SAMPLE = 2;
/** One codec frame: 512 samples, 11.6 ms at 44.1 kHz, 1024 bytes: fits one datagram. */
export const AUDIO_FRAME_SAMPLES = 512;
/** The jitter buffer never holds more than this much audio. */
export const AUDIO_JITTER_MAX_MS = 200;

/** Video: the seed's camera defaults. */
export const VIDEO_WIDTH = 640;
export const VIDEO_HEIGHT = 480;
export const VIDEO_FPS = 15;
export const VIDEO_JPEG_QUALITY = 55;

/** Screen share: the seed's defaults. */
export const SCREEN_FPS = 10;
export const SCREEN_JPEG_QUALITY = 60;

/**
 * The safe datagram: 1200 bytes never needs IP fragmentation anywhere (VPNs, some Wi-Fi
 * bridges drop fragments). Audio and every non-video datagram stay within it.
 */
export const MAX_DATAGRAM_PAYLOAD = 1200;

/**
 * Video datagrams are larger where the network allows: each datagram costs the relay a send
 * whatever its size, so fewer, larger ones cost far less per frame (docs/BENCHMARKS.md). The
 * size is a server setting announced in JoinReply.video_datagram_bytes, between these bounds;
 * every receiver accepts up to the maximum.
 */
export const MIN_VIDEO_DATAGRAM_BYTES = MAX_DATAGRAM_PAYLOAD;
export const MAX_VIDEO_DATAGRAM_BYTES = 16_384;
/** Chosen by measurement (docs/BENCHMARKS.md, "Datagram size and workers"). */
export const DEFAULT_VIDEO_DATAGRAM_BYTES = 16_384;
