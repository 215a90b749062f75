// oidc-provider ships no type declarations; the tests use it through this untyped module.
declare module 'oidc-provider';
