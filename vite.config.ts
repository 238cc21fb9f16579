import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** A brotli and a gzip copy of each script and style sheet, which the gateway serves to browsers that take them. */
function precompress(): Plugin {
  return {
    name: 'webterm-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const [fileName, output] of Object.entries(bundle)) {
        if (!/\.(js|css)$/.test(fileName)) continue;
        const source = output.type === 'chunk' ? Buffer.from(output.code) : Buffer.from(output.source);
        const path = resolve(options.dir!, fileName);
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(source, {
            params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length },
          }),
        );
        writeFileSync(`${path}.gz`, gzipSync(source, { level: 9 }));
      }
    },
  };
}

// The terminal page (served at `/`) and the recording player (served at
// `/recordings/{id}`): web/ built into dist/web.
export default defineConfig({
  root: 'web',
  base: './',
  plugins: [precompress()],
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
