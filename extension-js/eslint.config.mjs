// ESLint as in the JupyterLab extension template (jupyterlab/extension-template): ESLint's and typescript-eslint's
// recommended rules plus the template's own. Formatting is Prettier's alone (`npm run prettier:check`), so
// eslint-config-prettier turns off the rules that would fight it; it comes before our rules so that `curly` stays on.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettierConfig from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default defineConfig([
  {
    // src/*.gen.ts are generated from the Go wire types (spark/api); their generator owns their form.
    ignores: [
      'node_modules',
      'lib',
      'lib-test',
      '**/*.js',
      '**/*.d.ts',
      'src/*.gen.ts'
    ]
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  prettierConfig,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      // ignoreRestSiblings: `const { jobs: _jobs, ...header } = app` is how a copy leaves keys out.
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { args: 'none', ignoreRestSiblings: true }
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // The wire types keep the names of the Go structs they mirror (spark/api), as the generated ones do.
    files: ['src/api.ts'],
    rules: { '@typescript-eslint/naming-convention': 'off' }
  }
]);
