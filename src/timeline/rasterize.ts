import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
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

/** Renders the SVG to PNG bytes at its own size. */
export function rasterizeSvg(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [...TIMELINE_FONT_FILES],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: 'original' },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
