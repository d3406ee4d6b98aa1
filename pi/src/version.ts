// Set by scripts/build-node.mjs (esbuild `define`) from package.json; absent when the sources run under tsx.
declare const RESTRAY_PI_VERSION: string | undefined;

/** restray-pi's version: package.json's in the bundle (and so in the Debian package), `0.0.0-dev` from source. */
export const version: string = typeof RESTRAY_PI_VERSION === 'string' ? RESTRAY_PI_VERSION : '0.0.0-dev';
