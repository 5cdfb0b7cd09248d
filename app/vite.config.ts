import { VitePWA } from "vite-plugin-pwa";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative asset URLs: the same build works at its own origin (locally) and under /app/ of the dashboard's
  // distribution (in AWS).
  base: "./",
  build: { outDir: "dist", emptyOutDir: true },
  plugins: [
    VitePWA({
      registerType: "autoUpdate",
      injectRegister: false,
      // The app shell (scripts, styles, the page, icons, catalogues) is precached; /config.json is asked of the
      // network first so that a deploy's new settings win, and served from the cache offline.
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        // The page that installed the worker is served by it at once: a phone that loses the network right after
        // the first visit still reopens the app.
        clientsClaim: true,
        skipWaiting: true,
        navigateFallback: "index.html",
        navigateFallbackDenylist: [/^\/local-auth\//, /config\.json$/],
        runtimeCaching: [
          {
            urlPattern: ({ url }) => url.pathname.endsWith("/config.json"),
            handler: "NetworkFirst",
            options: { cacheName: "config", networkTimeoutSeconds: 3 },
          },
        ],
        // Background Sync: the service worker wakes an open page to send what was queued offline.
        importScripts: ["sw-sync.js"],
      },
      includeAssets: ["favicon.svg", "apple-touch-icon.png", "sw-sync.js"],
      manifest: {
        name: "EcoPulse",
        short_name: "EcoPulse",
        description: "Report litter, clean it up and earn rewards in your city.",
        start_url: "./index.html",
        scope: "./",
        display: "standalone",
        orientation: "portrait",
        background_color: "#ffffff",
        theme_color: "#156534",
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
    }),
  ],
  // The view logic's and the offline queue's unit tests; the screens in a browser are tested under tests/e2e.
  test: { include: ["src/**/*.test.ts"] },
});
