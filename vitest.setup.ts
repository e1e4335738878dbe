import fc from 'fast-check';

// Property tests draw from a fixed seed so every run (and CI) checks the same cases; set FC_SEED to explore others.
// A failing case prints its seed and path, so it reproduces with FC_SEED.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
