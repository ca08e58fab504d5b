/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const httpTarget = process.env.GATEWAY_HTTP_URL ?? 'http://127.0.0.1:8000';
const wsTarget = process.env.GATEWAY_WS_URL ?? 'ws://127.0.0.1:8001';

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': { target: httpTarget, changeOrigin: false },
      '/media': { target: httpTarget, changeOrigin: false },
      '/ws': { target: wsTarget, ws: true, changeOrigin: false },
    },
  },
  build: { sourcemap: true },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    env: { TZ: 'Asia/Tokyo' },
  },
});
