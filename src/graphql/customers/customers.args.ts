import { ArgsType, Field, ID } from 'type-graphql';
import { PageArgs } from '../common/page-args';
import { CustomerFilter, CustomerOrderBy } from './customer-filter.input';

@ArgsType()
export class CustomersArgs extends PageArgs {
  @Field(() => CustomerFilter, { nullable: true })
  filter?: CustomerFilter | null;

  @Field(() => CustomerOrderBy, { nullable: true, description: 'Default: PRIORITY DESC. Ties are broken by customer, so pages never overlap.' })
  orderBy?: CustomerOrderBy | null;

  @Field(() => ID, { nullable: true, description: 'Model version; default: the active model.' })
  modelId?: string | null;
}

@ArgsType()
export class CustomerArgs {
  @Field(() => ID, { description: 'customer_unique_id; a float-looking id such as "17850.0" finds customer "17850".' })
  id: string;

  @Field(() => ID, { nullable: true, description: 'Model version; default: the active model.' })
  modelId?: string | null;
}
