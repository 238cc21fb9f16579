import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The terminal page (served at `/`) and the recording player (served at
// `/recordings/{id}`): web/ built into dist/web.
export default defineConfig({
  root: 'web',
  base: './',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    // Which assets each page loads: the benchmark weighs the terminal page's alone.
    manifest: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'web/index.html'),
        recording: resolve(import.meta.dirname, 'web/recording.html'),
      },
    },
  },
});
