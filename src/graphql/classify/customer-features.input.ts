import { Field, Float, InputType, Int } from 'type-graphql';

/**
 * A customer's features as the API accepts them for classification. Units and meanings are those of
 * src/features/catalogue.ts; ranges are checked by the classify service (errors name the field). The plain
 * Int and Float types are used on purpose: they refuse strings and fractional integers, where the
 * graphql-scalars numeric scalars would coerce "2" to 2 and truncate 1.5 to 1.
 */
@InputType({
  description:
    'Features of a customer to classify. recencyDays, frequency, monetary and tenureDays are required; any other feature ' +
    "that is omitted (or null) is imputed with the active model's median for it. state must be a Brazilian state code (UF).",
})
export class CustomerFeaturesInput {
  @Field(() => Float, { description: 'Days since the last purchase, ≥ 0.' })
  recencyDays: number;

  @Field(() => Int, { description: 'Purchase orders, ≥ 1.' })
  frequency: number;

  @Field(() => Float, { description: 'Total spend (sum of order values), ≥ 0.' })
  monetary: number;

  @Field(() => Float, { description: 'Days since the first purchase; not less than recencyDays.' })
  tenureDays: number;

  @Field(() => Float, { nullable: true, description: 'Mean order value, ≥ 0.' })
  avgOrderValue?: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean gap between purchase days, in days (not more than tenureDays).' })
  meanInterpurchaseDays?: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean item lines per order, ≥ 0.' })
  itemsPerOrder?: number | null;

  @Field(() => Int, { nullable: true, description: 'Distinct product categories bought, ≥ 0.' })
  distinctCategories?: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean review score, 1–5.' })
  avgReviewScore?: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of reviews scored 1 or 2, 0–1.' })
  lowReviewShare?: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean days delivered after the estimate (negative = early), −3,650 to 3,650.' })
  avgDeliveryDelayDays?: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of orders delivered after the estimated day, 0–1.' })
  lateDeliveryShare?: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean installments per paid order (0–100).' })
  meanInstallments?: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of payments by credit card, 0–1.' })
  creditCardShare?: number | null;

  @Field(() => String, { nullable: true, description: 'State code (UF), e.g. "SP"; case-insensitive.' })
  state?: string | null;

  @Field(() => String, { nullable: true, description: 'Most bought product category (as named in the warehouse); an unknown one carries no evidence.' })
  topCategory?: string | null;
}
