/**
 * `geoslice/quicklook`: small PNG pictures for a human look at a catalog or a prediction — the
 * coverage map of a catalog (`geoslice catalog map`), class maps and continuous rasters (probability,
 * uncertainty) with a title, a legend or colour bar and a scale bar.
 *
 * @module
 */
export { renderCoverageMap, type CoverageMapInfo, type CoverageMapOptions } from './coverage-map.js';
export {
  renderClasses,
  renderContinuous,
  percentileRange,
  writePng,
  CLASS_PALETTE,
  type ContinuousOptions,
  type Rgb,
} from './png.js';
export { frameMap, scaleBar, type FrameOptions, type Legend } from './frame.js';
