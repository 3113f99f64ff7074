/** The platform token of the CyTube connector in subjects and sources. */
export const CYTUBE_PLATFORM = "cytube";
