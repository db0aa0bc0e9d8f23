import { Field, Float, Int, ObjectType } from 'type-graphql';
import { FEATURES, type FeatureDef } from '../../features/catalogue';

/**
 * A customer's feature row of the model's snapshot: one field per catalogue feature (src/features/catalogue.ts),
 * named, described and nullable as the catalogue says, plus the snapshot's as-of. Generated from the catalogue
 * so that a feature added there is served without touching this file.
 */
@ObjectType({ simpleResolvers: true, description: "A customer's features as of the model's snapshot (see the feature catalogue for units)." })
export class CustomerFeatures {
  @Field(() => Date, { description: 'The as-of time of the snapshot: nothing after it is counted.' })
  asOf: Date;

  // Declared for TypeScript; the GraphQL fields are added from the catalogue below.
  recencyDays: number;
  frequency: number;
  purchaseDays: number;
  firstPurchaseAt: Date;
  lastPurchaseAt: Date;
  monetary: number | null;
  avgOrderValue: number | null;
  orderValueCv: number | null;
  tenureDays: number;
  meanInterpurchaseDays: number | null;
  itemsPerOrder: number | null;
  distinctCategories: number | null;
  topCategory: string | null;
  avgReviewScore: number | null;
  lowReviewShare: number | null;
  avgDeliveryDelayDays: number | null;
  lateDeliveryShare: number | null;
  meanInstallments: number | null;
  creditCardShare: number | null;
  returns: number;
  state: string | null;
  lat: number | null;
  lng: number | null;
  repeatMonetaryMean: number | null;
}

function graphqlType(f: FeatureDef) {
  switch (f.type) {
    case 'float':
      return Float;
    case 'int':
      return Int;
    case 'timestamp':
      return Date;
    case 'text':
      return String;
  }
}

for (const f of FEATURES) {
  const description = `${f.description} (${f.unit})${f.nullWhen ? `; null when ${f.nullWhen}` : ''}`;
  Field(() => graphqlType(f), { nullable: f.nullWhen !== false, description })(CustomerFeatures.prototype, f.name);
}
