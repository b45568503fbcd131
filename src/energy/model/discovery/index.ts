/** Residual discovery: corrections to the physics closed form found by the engine and kept by cross-validation. */
export { CORRECTION_FEATURES, chooseCorrectionColumns, type CorrectionFeature, type ChosenColumns } from './correction-features.js';
export { NO_CORRECTION, CORRECTION_BOUND, fitJoint, predictJoint, withKernel, type Correction, type JointFit, type JointFitOptions } from './joint-fit.js';
export { ACCEPT_STANDARD_ERRORS, crossValidate, pairedGain, type CvScore } from './cv.js';
export { candidatesOf, mixesTpAndPp, gridProblem, MAX_CORRECTION_LOG, type CandidateCorrection } from './candidates.js';
export { discoverResidualStructure, DEFAULT_RESIDUAL_OPTIONS, MIN_CORRECTION_RECORDS, type ResidualDiscovery, type ResidualDiscoveryOptions, type CandidateScore } from './residual.js';
export { discoverResidualGroups, type GroupedResidualDiscovery, type GroupResult } from './groups.js';
export { discoveredStructure, recognisable, type DiscoveredTerm, type StructureProvenance } from './structure-out.js';
export { autoDiscoveryCandidate, autoSearchBudget, DEFAULT_AUTO_SECONDS, DISCOVERED_SOURCE, DISCOVERY_SEARCH_ROWS, discoverySample, type AutoDiscovery, type AutoDiscoveryOptions } from './auto.js';
export { correctionTermRanges, correctionTexts, discoveredTermsOf, fittedDiscoveredTerms, termEffect, termRangeLines, termRangeText, type FittedTerm, type TermRange } from './terms-text.js';
