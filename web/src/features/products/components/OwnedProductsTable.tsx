import { useId } from 'react';
import type { OwnedProduct } from '../../../api/types';
import { t } from '../../../i18n';
import { formatDay } from '../api/format';

/** What the customer's account owns: one row per asset, by name. */
export function OwnedProductsTable({ items }: { items: readonly OwnedProduct[] }) {
  const captionId = useId();
  return (
    <div className="table-scroll" role="region" aria-labelledby={captionId} tabIndex={0}>
      <table className="data-table products-table">
        <caption id={captionId} className="visually-hidden">
          {t('products.owned.caption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('products.col.name')}</th>
            <th scope="col">{t('products.col.product')}</th>
            <th scope="col">{t('products.col.serial')}</th>
            <th scope="col">{t('products.col.installed')}</th>
            <th scope="col">{t('products.col.status')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <th scope="row">
                <span className="cell-primary">{item.name}</span>
              </th>
              <td>
                {item.product_name ?? t('products.none')}
                {item.product_code ? <span className="cell-secondary">{item.product_code}</span> : null}
              </td>
              <td>{item.serial_number ?? t('products.none')}</td>
              <td>{item.install_date ? formatDay(item.install_date) : t('products.none')}</td>
              <td>{item.status ?? t('products.none')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
