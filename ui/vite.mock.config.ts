import { defineConfig } from "vite";

// Builds tests/ipc-mock.ts into one classic script the page tests inject before the app loads.
export default defineConfig({
  build: {
    outDir: "dist-mock",
    emptyOutDir: true,
    lib: { entry: "tests/ipc-mock.ts", formats: ["iife"], name: "ipcMock", fileName: () => "ipc-mock.js" },
  },
});
