import { defineConfig } from 'vite';

// A static single-page app: relative asset URLs so the built folder works from any path of any
// web server; public/ (with model/ after `trainer export`) is copied as it is.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { port: 5173 },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
});
