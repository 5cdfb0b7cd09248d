import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the same build works at the site root (CloudFront) and under any sub-path.
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 400 },
});
