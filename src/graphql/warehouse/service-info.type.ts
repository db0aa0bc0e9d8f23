import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'How this service counts money and whom it takes the caller for: what a client needs to label values and keys.' })
export class ServiceInfo {
  @Field({ description: 'ISO 4217 code of every money amount of the API (order values, monetary, CLV, revenue), from STORE_CURRENCY.' })
  currency: string;

  @Field(() => Int, { description: 'CLV horizon, in months, that the next training run uses (CLV_HORIZON_MONTHS); a model reports its own in churnModel.clvHorizonMonths.' })
  clvHorizonMonths: number;

  @Field({ description: "The caller's role: viewer, analyst or admin." })
  role: string;

  @Field({ description: 'True when no API keys are configured (open local mode): every caller is admin and any key sent is ignored.' })
  openMode: boolean;
}
