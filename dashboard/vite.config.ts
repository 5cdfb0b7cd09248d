import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative asset URLs: the same build works at the site root (CloudFront) and under any sub-path.
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 400 },
  // The view logic's unit tests; the views in a browser are tested end to end under tests/e2e.
  test: { include: ["src/**/*.test.ts"] },
});
