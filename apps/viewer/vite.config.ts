import { defineConfig } from 'vite';

// A static single-page app: relative asset URLs so the built folder works from any path of any
// web server; public/ (with model/ after `trainer export`) is copied as it is.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { port: 5173 },
  // One copy of tfjs-core for tfjs and the wasm/webgpu backends in dev (linked workspace packages
  // import them too).
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
    ],
  },
});
