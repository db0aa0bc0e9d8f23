/**
 * Olist's product categories (Portuguese name → English name as in Olist's translation table), with the share
 * of products in each and the typical price and shipping weight seen in the Olist data.
 */
export interface CategorySpec {
  name: string;
  nameEn: string;
  /** Relative number of products. */
  products: number;
  /** Median item price (BRL). */
  price: number;
  /** Median product weight (g). */
  weightG: number;
}

const k = (name: string, nameEn: string, products: number, price: number, weightG: number): CategorySpec => ({ name, nameEn, products, price, weightG });

export const CATEGORIES: readonly CategorySpec[] = [
  k('esporte_lazer', 'sports_leisure', 272, 74, 680),
  k('cama_mesa_banho', 'bed_bath_table', 271, 78, 1240),
  k('beleza_saude', 'health_beauty', 264, 72, 490),
  k('utilidades_domesticas', 'housewares', 195, 52, 1120),
  k('informatica_acessorios', 'computers_accessories', 194, 76, 350),
  k('moveis_decoracao', 'furniture_decor', 191, 69, 1300),
  k('automotivo', 'auto', 156, 92, 600),
  k('relogios_presentes', 'watches_gifts', 138, 139, 350),
  k('telefonia', 'telephony', 135, 30, 250),
  k('brinquedos', 'toys', 133, 80, 800),
  k('cool_stuff', 'cool_stuff', 117, 130, 1500),
  k('perfumaria', 'perfumery', 102, 109, 400),
  k('papelaria', 'stationery', 85, 89, 1500),
  k('pet_shop', 'pet_shop', 82, 64, 850),
  k('bebes', 'baby', 82, 74, 650),
  k('eletronicos', 'electronics', 66, 22, 200),
  k('fashion_bolsas_e_acessorios', 'fashion_bags_accessories', 57, 49, 200),
  k('ferramentas_jardim', 'garden_tools', 56, 60, 1750),
  k('moveis_escritorio', 'office_furniture', 42, 120, 10500),
  k('malas_acessorios', 'luggage_accessories', 40, 95, 1200),
  k('consoles_games', 'consoles_games', 31, 55, 200),
  k('construcao_ferramentas_construcao', 'construction_tools_construction', 30, 95, 1200),
  k('eletrodomesticos', 'home_appliances', 25, 57, 400),
  k('casa_construcao', 'home_construction', 25, 65, 1050),
  k('instrumentos_musicais', 'musical_instruments', 21, 69, 600),
  k('eletroportateis', 'small_appliances', 19, 239, 1620),
  k('moveis_sala', 'furniture_living_room', 18, 101, 7500),
  k('climatizacao', 'air_conditioning', 17, 144, 2340),
  k('alimentos', 'food', 14, 30, 230),
  k('fashion_calcados', 'fashion_shoes', 12, 57, 700),
  k('eletrodomesticos_2', 'home_appliances_2', 12, 224, 13850),
  k('livros_interesse_geral', 'books_general_interest', 11, 31, 500),
  k('construcao_ferramentas_iluminacao', 'construction_tools_lights', 11, 52, 650),
  k('moveis_cozinha_area_de_servico_jantar_e_jardim', 'kitchen_dining_laundry_garden_furniture', 10, 96, 4620),
  k('livros_tecnicos', 'books_technical', 10, 45, 750),
  k('fashion_roupa_masculina', 'fashion_male_clothing', 10, 49, 550),
  k('bebidas', 'drinks', 10, 58, 350),
  k('audio', 'audio', 10, 89, 340),
  k('alimentos_bebidas', 'food_drink', 10, 54, 1100),
  k('market_place', 'market_place', 9, 63, 330),
  k('artes', 'art', 9, 94, 1350),
  k('agro_industria_e_comercio', 'agro_industry_and_commerce', 8, 398, 2650),
  k('casa_conforto', 'home_confort', 7, 90, 1820),
  k('artigos_de_natal', 'christmas_supplies', 6, 69, 450),
  k('industria_comercio_e_negocios', 'industry_commerce_and_business', 5, 57, 900),
  k('dvds_blu_ray', 'dvds_blu_ray', 5, 17, 200),
  k('telefonia_fixa', 'fixed_telephony', 4, 125, 500),
  k('sinalizacao_e_seguranca', 'signaling_and_security', 4, 25, 300),
  k('construcao_ferramentas_jardim', 'costruction_tools_garden', 4, 105, 1520),
  k('construcao_ferramentas_ferramentas', 'costruction_tools_tools', 4, 93, 890),
  k('tablets_impressao_imagem', 'tablets_printing_image', 3, 70, 300),
  k('pcs', 'computers', 3, 1437, 3000),
  k('artigos_de_festas', 'party_supplies', 3, 22, 350),
  k('portateis_casa_forno_e_cafe', 'small_appliances_home_oven_and_coffee', 2, 160, 1900),
  k('musica', 'music', 2, 16, 200),
  k('moveis_quarto', 'furniture_bedroom', 2, 177, 10700),
  k('livros_importados', 'books_imported', 2, 80, 900),
  k('flores', 'flowers', 2, 54, 800),
  k('fashion_underwear_e_moda_praia', 'fashion_underwear_beach', 2, 33, 200),
  k('fashion_esporte', 'fashion_sport', 2, 40, 150),
  k('construcao_ferramentas_seguranca', 'construction_tools_safety', 2, 62, 1390),
  k('cine_foto', 'cine_photo', 2, 50, 400),
  k('portateis_cozinha_e_preparadores_de_alimentos', 'portable_kitchen_food_processors', 1, 90, 750),
  k('pc_gamer', 'pc_gamer', 1, 1200, 2840),
  k('moveis_colchao_e_estofado', 'furniture_mattress_and_upholstery', 1, 110, 1700),
  k('fashion_roupa_feminina', 'fashio_female_clothing', 1, 65, 400),
  k('cds_dvds_musicais', 'cds_dvds_musicals', 1, 45, 550),
  k('casa_conforto_2', 'home_comfort_2', 1, 25, 700),
  k('artes_e_artesanato', 'arts_and_craftmanship', 1, 30, 2900),
  k('la_cuisine', 'la_cuisine', 1, 140, 1500),
  k('fraldas_higiene', 'diapers_and_hygiene', 1, 45, 1600),
  k('fashion_roupa_infanto_juvenil', 'fashion_childrens_clothes', 1, 40, 300),
  k('seguros_e_servicos', 'security_and_services', 1, 140, 300),
];
