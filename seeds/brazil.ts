/**
 * Brazilian geography for the seed: the 27 federative units with their population, their main cities
 * (approximate centre coordinates) and the CEP (zip) prefix range each city uses, so that a customer's
 * zip prefix, city and state always agree.
 */

export interface City {
  name: string;
  lat: number;
  lng: number;
  /** Inclusive range of 5-digit zip prefixes. */
  zipFrom: number;
  zipTo: number;
  /** Share of the state's customers living there (relative). */
  weight: number;
}

export interface State {
  uf: string;
  /** Population in millions (IBGE estimate, 2018). */
  population: number;
  region: 'N' | 'NE' | 'CO' | 'SE' | 'S';
  cities: City[];
}

const c = (name: string, lat: number, lng: number, zipFrom: number, zipTo: number, weight: number): City => ({ name, lat, lng, zipFrom, zipTo, weight });

export const STATES: readonly State[] = [
  { uf: 'SP', population: 45.5, region: 'SE', cities: [
    c('sao paulo', -23.55, -46.63, 1000, 5999, 45), c('guarulhos', -23.46, -46.53, 7000, 7399, 5), c('campinas', -22.91, -47.06, 13000, 13139, 7),
    c('santos', -23.96, -46.33, 11000, 11099, 4), c('sao jose dos campos', -23.18, -45.88, 12200, 12249, 4), c('ribeirao preto', -21.18, -47.81, 14000, 14114, 4),
    c('sorocaba', -23.5, -47.46, 18000, 18109, 4), c('santo andre', -23.66, -46.53, 9000, 9299, 5), c('osasco', -23.53, -46.79, 6000, 6299, 4),
  ] },
  { uf: 'MG', population: 21.0, region: 'SE', cities: [
    c('belo horizonte', -19.92, -43.94, 30000, 31999, 45), c('contagem', -19.93, -44.05, 32000, 32399, 10), c('uberlandia', -18.92, -48.28, 38400, 38415, 12),
    c('juiz de fora', -21.76, -43.35, 36000, 36099, 10), c('montes claros', -16.73, -43.86, 39400, 39409, 6),
  ] },
  { uf: 'RJ', population: 17.2, region: 'SE', cities: [
    c('rio de janeiro', -22.91, -43.17, 20000, 23799, 60), c('niteroi', -22.88, -43.1, 24000, 24399, 10), c('nova iguacu', -22.76, -43.45, 26000, 26099, 8),
    c('duque de caxias', -22.79, -43.31, 25000, 25299, 8), c('petropolis', -22.51, -43.18, 25600, 25779, 4),
  ] },
  { uf: 'BA', population: 14.8, region: 'NE', cities: [
    c('salvador', -12.97, -38.5, 40000, 42499, 55), c('feira de santana', -12.27, -38.97, 44000, 44099, 12), c('vitoria da conquista', -14.86, -40.84, 45000, 45099, 7),
  ] },
  { uf: 'RS', population: 11.3, region: 'S', cities: [
    c('porto alegre', -30.03, -51.23, 90000, 91999, 45), c('caxias do sul', -29.17, -51.18, 95000, 95124, 12), c('canoas', -29.92, -51.18, 92000, 92499, 10),
    c('pelotas', -31.77, -52.34, 96000, 96099, 8), c('santa maria', -29.69, -53.81, 97000, 97119, 6),
  ] },
  { uf: 'PR', population: 11.3, region: 'S', cities: [
    c('curitiba', -25.43, -49.27, 80000, 82999, 45), c('londrina', -23.31, -51.16, 86000, 86099, 12), c('maringa', -23.42, -51.94, 87000, 87099, 10),
    c('ponta grossa', -25.09, -50.16, 84000, 84099, 6), c('cascavel', -24.96, -53.46, 85800, 85824, 5),
  ] },
  { uf: 'PE', population: 9.5, region: 'NE', cities: [
    c('recife', -8.05, -34.88, 50000, 52999, 55), c('jaboatao dos guararapes', -8.11, -35.01, 54000, 54099, 12), c('olinda', -8.01, -34.86, 53000, 53099, 8),
    c('caruaru', -8.28, -35.97, 55000, 55049, 6),
  ] },
  { uf: 'CE', population: 9.1, region: 'NE', cities: [
    c('fortaleza', -3.73, -38.52, 60000, 61599, 65), c('juazeiro do norte', -7.21, -39.31, 63000, 63059, 8), c('sobral', -3.69, -40.35, 62000, 62049, 5),
  ] },
  { uf: 'PA', population: 8.5, region: 'N', cities: [
    c('belem', -1.46, -48.5, 66000, 66999, 55), c('ananindeua', -1.37, -48.37, 67000, 67199, 12), c('santarem', -2.44, -54.71, 68000, 68109, 6),
    c('maraba', -5.37, -49.12, 68500, 68509, 5),
  ] },
  { uf: 'SC', population: 7.1, region: 'S', cities: [
    c('florianopolis', -27.59, -48.55, 88000, 88099, 30), c('joinville', -26.3, -48.85, 89200, 89239, 20), c('blumenau', -26.92, -49.07, 89000, 89099, 15),
    c('sao jose', -27.6, -48.63, 88100, 88124, 8), c('chapeco', -27.1, -52.62, 89800, 89816, 6),
  ] },
  { uf: 'MA', population: 7.0, region: 'NE', cities: [c('sao luis', -2.53, -44.3, 65000, 65109, 55), c('imperatriz', -5.53, -47.47, 65900, 65919, 12)] },
  { uf: 'GO', population: 6.9, region: 'CO', cities: [
    c('goiania', -16.69, -49.26, 74000, 74899, 50), c('aparecida de goiania', -16.82, -49.24, 74900, 74999, 15), c('anapolis', -16.33, -48.95, 75000, 75149, 12),
  ] },
  { uf: 'AM', population: 4.1, region: 'N', cities: [c('manaus', -3.12, -60.02, 69000, 69099, 80), c('parintins', -2.63, -56.74, 69150, 69159, 3)] },
  { uf: 'PB', population: 4.0, region: 'NE', cities: [c('joao pessoa', -7.12, -34.86, 58000, 58099, 50), c('campina grande', -7.23, -35.88, 58400, 58439, 20)] },
  { uf: 'ES', population: 4.0, region: 'SE', cities: [
    c('vitoria', -20.32, -40.34, 29000, 29099, 30), c('vila velha', -20.33, -40.29, 29100, 29129, 25), c('serra', -20.12, -40.31, 29160, 29179, 20),
    c('cariacica', -20.26, -40.42, 29140, 29159, 12),
  ] },
  { uf: 'RN', population: 3.5, region: 'NE', cities: [c('natal', -5.79, -35.21, 59000, 59199, 60), c('mossoro', -5.19, -37.34, 59600, 59649, 15)] },
  { uf: 'MT', population: 3.4, region: 'CO', cities: [
    c('cuiaba', -15.6, -56.1, 78000, 78109, 45), c('varzea grande', -15.65, -56.13, 78110, 78159, 15), c('rondonopolis', -16.47, -54.64, 78700, 78749, 10),
  ] },
  { uf: 'AL', population: 3.3, region: 'NE', cities: [c('maceio', -9.67, -35.74, 57000, 57099, 70), c('arapiraca', -9.75, -36.66, 57300, 57319, 10)] },
  { uf: 'PI', population: 3.3, region: 'NE', cities: [c('teresina', -5.09, -42.8, 64000, 64099, 70), c('parnaiba', -2.9, -41.78, 64200, 64219, 8)] },
  { uf: 'DF', population: 3.0, region: 'CO', cities: [c('brasilia', -15.79, -47.88, 70000, 72799, 100)] },
  { uf: 'MS', population: 2.7, region: 'CO', cities: [c('campo grande', -20.46, -54.62, 79000, 79124, 60), c('dourados', -22.22, -54.81, 79800, 79849, 15)] },
  { uf: 'SE', population: 2.3, region: 'NE', cities: [c('aracaju', -10.91, -37.07, 49000, 49099, 70), c('lagarto', -10.92, -37.65, 49400, 49409, 8)] },
  { uf: 'RO', population: 1.76, region: 'N', cities: [c('porto velho', -8.76, -63.9, 76800, 76834, 60), c('ji-parana', -10.88, -61.95, 76900, 76913, 15)] },
  { uf: 'TO', population: 1.55, region: 'N', cities: [c('palmas', -10.18, -48.33, 77000, 77270, 50), c('araguaina', -7.19, -48.21, 77800, 77829, 20)] },
  { uf: 'AC', population: 0.87, region: 'N', cities: [c('rio branco', -9.97, -67.81, 69900, 69924, 100)] },
  { uf: 'AP', population: 0.83, region: 'N', cities: [c('macapa', 0.03, -51.07, 68900, 68914, 100)] },
  { uf: 'RR', population: 0.58, region: 'N', cities: [c('boa vista', 2.82, -60.67, 69300, 69339, 100)] },
];

/**
 * Online shopping reaches the richer South-East and South more than the North and North-East (Olist's customers
 * are ~42% from SP while SP has ~22% of the population): weights are population × this reach.
 */
export const CUSTOMER_REACH: Record<State['region'], number> = { SE: 1.8, S: 1.15, CO: 0.95, NE: 0.5, N: 0.4 };
/** Sellers concentrate even more in SP (Olist: ~60%). */
export const SELLER_REACH: Record<State['region'], number> = { SE: 1.0, S: 0.8, CO: 0.25, NE: 0.12, N: 0.05 };
export const SELLER_SP_BOOST = 4;

/** Great-circle distance in km. */
export function distanceKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLng = (lng2 - lng1) * r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
