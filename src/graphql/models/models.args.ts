import { ArgsType, Field, Int } from 'type-graphql';

@ArgsType()
export class ModelPageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 500.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Return the rows after this cursor (a previous page's endCursor)." })
  after?: string | null;
}
