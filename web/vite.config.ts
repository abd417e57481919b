import { defineConfig, type UserConfig } from 'vite';

/**
 * `vite build` (make web) writes web/dist, which the gateway serves at /. `npm run dev -w
 * @switchboard/web` serves the page with hot reload and forwards the API and Socket.IO to the
 * local stack's load balancer (`make up`), so the page stays same-origin with them as it is
 * when the gateway serves it. Loaded with `--configLoader native`: Node runs this file as is.
 */
export default defineConfig(async ({ command }): Promise<UserConfig> => {
  const config: UserConfig = {
    root: import.meta.dirname,
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      rollupOptions: {
        onwarn(warning, warn) {
          // zod's comments next to its @__PURE__ annotations; harmless, and not ours to fix.
          if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
          warn(warning);
        },
      },
    },
  };
  if (command !== 'serve') return config;
  // Only the dev server needs the stack's ports, so a build (an image's build stage) needs no stack/.
  const { HOST, ports } = await import('../stack/src/layout.ts');
  const target = `http://${HOST}:${ports.loadBalancer}`;
  return {
    ...config,
    server: { host: HOST, proxy: { '/v1': { target }, '/socket.io': { target, ws: true } } },
  };
});
