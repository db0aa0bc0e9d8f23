/**
 * The Olist CSV files by their original names and headers (typos included: `product_name_lenght`), and how
 * each column is typed. Staging columns are named `r_<name>` (raw text); typed columns `<name>`.
 */
export type ColumnType = 'text' | 'id' | 'zip' | 'int' | 'decimal' | 'double' | 'timestamp';

export interface ColumnSpec {
  header: string;
  name: string;
  type: ColumnType;
  required?: boolean;
  min?: number;
  max?: number;
  /** timestamp: a planned date (estimate, deadline), which may lie in the future; event dates may not. */
  planned?: boolean;
  /** decimal: numeric(precision, scale) of the target column. */
  precision?: number;
  scale?: number;
}

export interface FileSpec {
  /** Key used in code. */
  id: 'category' | 'product' | 'seller' | 'geolocation' | 'customer' | 'order' | 'item' | 'payment' | 'review';
  file: string;
  table: string;
  optional?: boolean;
  columns: ColumnSpec[];
  /** Typed columns forming the row's identity within the file (a repeated identity: the last line wins). */
  key: string[];
}

const SMALLINT = 32767;

export const OLIST_FILES: readonly FileSpec[] = [
  {
    id: 'category',
    file: 'product_category_name_translation.csv',
    table: 'product_category',
    columns: [
      { header: 'product_category_name', name: 'name', type: 'text', required: true },
      { header: 'product_category_name_english', name: 'name_en', type: 'text' },
    ],
    key: ['name'],
  },
  {
    id: 'product',
    file: 'olist_products_dataset.csv',
    table: 'product',
    columns: [
      { header: 'product_id', name: 'id', type: 'id', required: true },
      { header: 'product_category_name', name: 'category_name', type: 'text' },
      { header: 'product_name_lenght', name: 'name_length', type: 'int', min: 0 },
      { header: 'product_description_lenght', name: 'description_length', type: 'int', min: 0 },
      { header: 'product_photos_qty', name: 'photos_qty', type: 'int', min: 0 },
      { header: 'product_weight_g', name: 'weight_g', type: 'int', min: 0 },
      { header: 'product_length_cm', name: 'length_cm', type: 'int', min: 0 },
      { header: 'product_height_cm', name: 'height_cm', type: 'int', min: 0 },
      { header: 'product_width_cm', name: 'width_cm', type: 'int', min: 0 },
    ],
    key: ['id'],
  },
  {
    id: 'seller',
    file: 'olist_sellers_dataset.csv',
    table: 'seller',
    optional: true,
    columns: [
      { header: 'seller_id', name: 'id', type: 'id', required: true },
      { header: 'seller_zip_code_prefix', name: 'zip_prefix', type: 'zip' },
      { header: 'seller_city', name: 'city', type: 'text' },
      { header: 'seller_state', name: 'state', type: 'text' },
    ],
    key: ['id'],
  },
  {
    id: 'geolocation',
    file: 'olist_geolocation_dataset.csv',
    table: 'geolocation',
    optional: true,
    columns: [
      { header: 'geolocation_zip_code_prefix', name: 'zip_prefix', type: 'zip', required: true },
      { header: 'geolocation_lat', name: 'lat', type: 'double', required: true, min: -90, max: 90 },
      { header: 'geolocation_lng', name: 'lng', type: 'double', required: true, min: -180, max: 180 },
      { header: 'geolocation_city', name: 'city', type: 'text' },
      { header: 'geolocation_state', name: 'state', type: 'text' },
    ],
    key: [],
  },
  {
    id: 'customer',
    file: 'olist_customers_dataset.csv',
    table: 'customer_account',
    columns: [
      { header: 'customer_id', name: 'account_id', type: 'id', required: true },
      { header: 'customer_unique_id', name: 'unique_id', type: 'id', required: true },
      { header: 'customer_zip_code_prefix', name: 'zip_prefix', type: 'zip' },
      { header: 'customer_city', name: 'city', type: 'text' },
      { header: 'customer_state', name: 'state', type: 'text' },
    ],
    key: ['account_id'],
  },
  {
    id: 'order',
    file: 'olist_orders_dataset.csv',
    table: 'orders',
    columns: [
      { header: 'order_id', name: 'id', type: 'id', required: true },
      { header: 'customer_id', name: 'account_id', type: 'id', required: true },
      { header: 'order_status', name: 'status', type: 'text', required: true },
      { header: 'order_purchase_timestamp', name: 'purchased_at', type: 'timestamp', required: true },
      { header: 'order_approved_at', name: 'approved_at', type: 'timestamp' },
      { header: 'order_delivered_carrier_date', name: 'delivered_carrier_at', type: 'timestamp' },
      { header: 'order_delivered_customer_date', name: 'delivered_customer_at', type: 'timestamp' },
      { header: 'order_estimated_delivery_date', name: 'estimated_delivery_at', type: 'timestamp', planned: true },
    ],
    key: ['id'],
  },
  {
    id: 'item',
    file: 'olist_order_items_dataset.csv',
    table: 'order_item',
    columns: [
      { header: 'order_id', name: 'order_id', type: 'id', required: true },
      { header: 'order_item_id', name: 'item_seq', type: 'int', required: true, min: 1, max: SMALLINT },
      { header: 'product_id', name: 'product_id', type: 'id', required: true },
      { header: 'seller_id', name: 'seller_id', type: 'id' },
      { header: 'shipping_limit_date', name: 'shipping_limit_at', type: 'timestamp', planned: true },
      { header: 'price', name: 'price', type: 'decimal', required: true, min: 0, precision: 12, scale: 2 },
      { header: 'freight_value', name: 'freight', type: 'decimal', required: true, min: 0, precision: 12, scale: 2 },
    ],
    key: ['order_id', 'item_seq'],
  },
  {
    id: 'payment',
    file: 'olist_order_payments_dataset.csv',
    table: 'order_payment',
    columns: [
      { header: 'order_id', name: 'order_id', type: 'id', required: true },
      { header: 'payment_sequential', name: 'payment_seq', type: 'int', required: true, min: 1, max: SMALLINT },
      { header: 'payment_type', name: 'type', type: 'text', required: true },
      { header: 'payment_installments', name: 'installments', type: 'int', required: true, min: 0, max: SMALLINT },
      { header: 'payment_value', name: 'value', type: 'decimal', required: true, min: 0, precision: 12, scale: 2 },
    ],
    key: ['order_id', 'payment_seq'],
  },
  {
    id: 'review',
    file: 'olist_order_reviews_dataset.csv',
    table: 'order_review',
    columns: [
      { header: 'review_id', name: 'review_id', type: 'id', required: true },
      { header: 'order_id', name: 'order_id', type: 'id', required: true },
      { header: 'review_score', name: 'score', type: 'int', required: true, min: 1, max: 5 },
      { header: 'review_comment_title', name: 'comment_title', type: 'text' },
      { header: 'review_comment_message', name: 'comment_message', type: 'text' },
      { header: 'review_creation_date', name: 'created_at', type: 'timestamp' },
      { header: 'review_answer_timestamp', name: 'answered_at', type: 'timestamp' },
    ],
    key: ['order_id', 'review_id'],
  },
];
