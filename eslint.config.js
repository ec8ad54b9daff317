// Lint rules for src/, test/ and bench/: typescript-eslint's recommended set, plus the house limits.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // prettier wraps code at 120; what it cannot wrap (long strings, regexes) is allowed to run on
      'max-len': [
        'error',
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignoreComments: false,
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-control-regex': 'off',
      // TypeScript (and checkJs for bench/) reports undefined names, with Node's globals known
      'no-undef': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
);
