// Lints the citizen app's TypeScript with the type checker's help (typescript-eslint's type-checked rules),
// as the dashboard does: a promise nobody awaits or catches, a value of unknown type used as anything.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "dev-dist/", "public/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  { files: ["*.config.{js,ts}"], extends: [tseslint.configs.disableTypeChecked], languageOptions: { globals: globals.node } },
);
