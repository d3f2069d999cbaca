// The parts of libs/media that run in a browser (no Node modules): apps/web imports this entry
// point ("@sapora/media/browser") rather than the whole library.
export * from './video/grid-layout';
