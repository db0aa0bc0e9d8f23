import { BiCohortCell, BiCohortMember, BiCohortRow, BiLoad } from './bi-load.entity';
import { Customer } from './customer.entity';
import { CustomerAccount } from './customer-account.entity';
import { Geolocation } from './geolocation.entity';
import { Order } from './order.entity';
import { OrderFact } from './order-fact.entity';
import { OrderItem } from './order-item.entity';
import { OrderPayment } from './order-payment.entity';
import { OrderReview } from './order-review.entity';
import { Product } from './product.entity';
import { ProductCategory } from './product-category.entity';
import { SeedTruth } from './seed-truth.entity';
import { Seller } from './seller.entity';
import { TransactionLine } from './transaction-line.entity';

export { BiCohortCell, BiCohortMember, BiCohortRow, BiLoad, Customer, CustomerAccount, Geolocation, Order, OrderFact, OrderItem, OrderPayment, OrderReview, Product, ProductCategory, SeedTruth, Seller, TransactionLine };

export const warehouseEntities = [
  BiLoad, BiCohortCell, BiCohortMember, BiCohortRow, Customer, CustomerAccount, Geolocation, Order, OrderFact, OrderItem, OrderPayment, OrderReview, Product, ProductCategory, SeedTruth, Seller, TransactionLine,
];
