import { Field, ID, ObjectType } from 'type-graphql';
import { SegmentKind } from '../segments/segment-kind.enum';
import { NonNegativeInt } from '../scalars';

@ObjectType({ description: 'One segment in two model versions: its customers in each.' })
export class SegmentSizeChange {
  @Field({ description: 'Segment key (cluster id, RFM segment name or ABC/XYZ class).' })
  key: string;

  @Field({ description: "The segment's name in the newer version where it exists there, else in the older one." })
  name: string;

  @Field(() => NonNegativeInt, { description: 'Customers in the segment in version `from` (0 when it has no such segment).' })
  fromSize: number;

  @Field(() => NonNegativeInt, { description: 'Customers in the segment in version `to`.' })
  toSize: number;
}

@ObjectType({ description: 'Customers in segment fromKey of one version and in segment toKey of the other.' })
export class SegmentMove {
  @Field(() => String, { nullable: true, description: 'Segment in version `from`; null = the customer is only in version `to` (new).' })
  fromKey: string | null;

  @Field(() => String, { nullable: true, description: 'Segment in version `to`; null = the customer is only in version `from` (gone).' })
  toKey: string | null;

  @Field(() => NonNegativeInt)
  customers: number;
}

@ObjectType({ description: 'How two model versions segment the same customers: sizes side by side and who moved where.' })
export class ModelComparison {
  @Field(() => ID)
  from: string;

  @Field(() => ID)
  to: string;

  @Field(() => SegmentKind)
  kind: SegmentKind;

  @Field(() => [SegmentSizeChange], { description: 'Every segment of either version, by key.' })
  sizes: SegmentSizeChange[];

  @Field(() => [SegmentMove], { description: 'Every (fromKey, toKey) pair with customers, staying ones included (fromKey = toKey); largest first.' })
  moves: SegmentMove[];

  @Field(() => NonNegativeInt, { description: 'Customers in both versions.' })
  customersInBoth: number;

  @Field(() => NonNegativeInt, { description: 'Customers in both versions whose segment key differs. Cluster ids are stable across versions that continue a cluster, so this counts real moves.' })
  customersMoved: number;
}
