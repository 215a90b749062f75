// Which ConversionReview version a CRD's conversion webhook gets: the first of its ordered
// spec.conversion.webhook.conversionReviewVersions that the server speaks, as Kubernetes chooses.

/** The ConversionReview versions gifee speaks, as Kubernetes: v1 and v1beta1 (the same shape). */
export const CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'] as const;
export type ConversionReviewVersion = (typeof CONVERSION_REVIEW_VERSIONS)[number];

export function pickConversionReviewVersion(listed: readonly unknown[] | undefined): ConversionReviewVersion | undefined {
  return (listed ?? []).find((v): v is ConversionReviewVersion => CONVERSION_REVIEW_VERSIONS.includes(v as ConversionReviewVersion));
}
