// The package version, as a constant so that --version reads no file (a test keeps it equal to package.json).
export const VERSION = '0.1.0';
export const TOOL = 'vdpa-mc';
