import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { FONT_FAMILY } from './timelineSvg.ts';

// SVG to PNG with resvg (prebuilt, no system toolchain) and fonts the project brings itself
// (dejavu-fonts-ttf, a runtime dependency): system fonts are never loaded, so the picture is the same
// on a laptop and in the slim Docker image, which has none.

const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** The font files the picture uses (regular and bold). */
export const TIMELINE_FONT_FILES: readonly string[] = [
  join(fontDir, 'DejaVuSans.ttf'),
  join(fontDir, 'DejaVuSans-Bold.ttf'),
];

const OPTIONS: ResvgRenderOptions = {
  font: {
    loadSystemFonts: false,
    fontFiles: [...TIMELINE_FONT_FILES],
    defaultFontFamily: FONT_FAMILY,
    sansSerifFamily: FONT_FAMILY,
  },
  fitTo: { mode: 'original' },
  logLevel: 'off',
};

let resvg: Promise<typeof import('@resvg/resvg-js')> | undefined;

/**
 * Renders the SVG to PNG bytes at its own size, on libuv's thread pool: a picture takes a few hundred
 * milliseconds of CPU, which the event loop (acks, other people's answers) never waits for.
 */
export async function rasterizeSvg(svg: string): Promise<Buffer> {
  // Loaded on the first picture: the native renderer costs a few MB of memory a bot that never
  // draws one should not carry (docs/PERFORMANCE.md, idle RSS).
  resvg ??= import('@resvg/resvg-js');
  const { renderAsync } = await resvg;
  const image = await renderAsync(svg, OPTIONS);
  return image.asPng();
}
