import { defineConfig } from 'vite';

// The terminal page: web/ built into dist/web, served by the gateway at `/`.
export default defineConfig({
  root: 'web',
  base: './',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
});
