//! One account's rows kept in order for every sort field, as a database keeps an index per
//! sortable column: a page is a search to the cursor and a walk of `limit + 1` matching rows, instead of keying, filtering and selecting over all of the account's rows on every
//! request (the demo account has 2,100 cases; that full pass was most of a list request's CPU).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use crate::domain::paging::{Direction, Keyset, Page, Sort, SortField, SortValue};
use crate::salesforce::SalesforceId;

/// Where a row stands in one field's order: its value, then its id (ties broken by id).
type Key = (SortValue, SalesforceId);

/// Rows ordered ascending by (sort value, id) once per field of `F::ALL`, in B-trees: adding or
/// replacing a row and finding a cursor's place are O(log n), so a growing account's writes do
/// not slow down with its size; descending sorts walk the same order backwards.
pub struct SortedIndex<F: SortField, T> {
    by_field: Vec<BTreeMap<Key, Arc<T>>>,
    /// Every row by id: single lookups, and the old values a replaced row is removed by.
    rows: HashMap<SalesforceId, Arc<T>>,
    value_of: fn(F, &T) -> SortValue,
}

impl<F: SortField, T: Clone> SortedIndex<F, T> {
    pub fn new(value_of: fn(F, &T) -> SortValue) -> Self {
        Self {
            by_field: F::ALL.iter().map(|_| BTreeMap::new()).collect(),
            rows: HashMap::new(),
            value_of,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.rows.len()
    }

    /// Every row, in no particular order.
    pub fn rows(&self) -> impl Iterator<Item = &Arc<T>> {
        self.rows.values()
    }

    /// The row with this id.
    pub fn get(&self, id: &SalesforceId) -> Option<&T> {
        self.rows.get(id).map(|row| &**row)
    }

    /// Adds the row, or replaces the row with the same id.
    pub fn upsert(&mut self, id: &SalesforceId, row: Arc<T>) {
        let old = self.rows.insert(id.clone(), Arc::clone(&row));
        for (field, entries) in F::ALL.iter().zip(&mut self.by_field) {
            if let Some(old) = &old {
                entries.remove(&((self.value_of)(*field, old), id.clone()));
            }
            entries.insert(
                ((self.value_of)(*field, &row), id.clone()),
                Arc::clone(&row),
            );
        }
    }

    /// The rows after `after` in `sort`'s order that `keep` accepts, at most `limit`, and the
    /// keyset to continue from when more follow.
    pub fn page(
        &self,
        sort: Sort<F>,
        after: Option<&Keyset>,
        limit: usize,
        keep: impl Fn(&T) -> bool,
    ) -> Page<T> {
        let Some(entries) = F::ALL
            .iter()
            .position(|f| *f == sort.field)
            .and_then(|i| self.by_field.get(i))
        else {
            return Page {
                items: Vec::new(),
                next: None,
            };
        };
        let wanted = limit.saturating_add(1);
        let cursor = after.map(|a| (a.value.clone(), a.id.clone()));
        let kept = |(_, row): &(&Key, &Arc<T>)| keep(row);
        let mut found: Vec<(&Key, &Arc<T>)> = match (sort.direction, cursor) {
            (Direction::Ascending, None) => entries.iter().filter(kept).take(wanted).collect(),
            (Direction::Ascending, Some(cursor)) => entries
                .range((Bound::Excluded(cursor), Bound::Unbounded))
                .filter(kept)
                .take(wanted)
                .collect(),
            (Direction::Descending, None) => {
                entries.iter().rev().filter(kept).take(wanted).collect()
            }
            (Direction::Descending, Some(cursor)) => entries
                .range((Bound::Unbounded, Bound::Excluded(cursor)))
                .rev()
                .filter(kept)
                .take(wanted)
                .collect(),
        };
        let next = (found.len() > limit).then(|| {
            found.truncate(limit);
            found.last().map(|((value, id), _)| Keyset {
                value: value.clone(),
                id: id.clone(),
            })
        });
        Page {
            items: found.into_iter().map(|(_, row)| T::clone(row)).collect(),
            next: next.flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Row {
        n: i64,
        name: &'static str,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Field {
        N,
        Name,
    }

    impl SortField for Field {
        const SCHEMA_NAME: &'static str = "TestSort";
        const DEFAULT_SORT: Sort<Self> = Sort {
            field: Self::N,
            direction: Direction::Ascending,
        };
        const ALL: &'static [Self] = &[Self::N, Self::Name];
        fn name(self) -> &'static str {
            match self {
                Self::N => "n",
                Self::Name => "name",
            }
        }
    }

    fn value_of(f: Field, r: &Row) -> SortValue {
        match f {
            Field::N => SortValue::Number(r.n),
            Field::Name => SortValue::Text(r.name.into()),
        }
    }

    fn id(i: usize) -> SalesforceId {
        SalesforceId::parse(&format!("500000000000{i:03}")).unwrap()
    }

    fn index(rows: &[(i64, &'static str)]) -> SortedIndex<Field, Row> {
        let mut index = SortedIndex::new(value_of);
        for (i, (n, name)) in rows.iter().enumerate() {
            index.upsert(&id(i), Arc::new(Row { n: *n, name }));
        }
        index
    }

    /// Walks every page of `sort` and returns the rows in the order the pages gave them.
    fn walk(index: &SortedIndex<Field, Row>, sort: Sort<Field>, limit: usize) -> Vec<i64> {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = index.page(sort, after.as_ref(), limit, |r| r.n != 4);
            assert!(page.items.len() <= limit);
            seen.extend(page.items.iter().map(|r| r.n));
            match page.next {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    }

    #[test]
    fn pages_in_both_directions_with_ties_broken_by_id_and_filters_applied() {
        let index = index(&[(3, "c"), (1, "a"), (4, "d"), (2, "b"), (3, "e"), (5, "a")]);
        let asc = Sort {
            field: Field::N,
            direction: Direction::Ascending,
        };
        let desc = Sort {
            field: Field::N,
            direction: Direction::Descending,
        };
        assert_eq!(walk(&index, asc, 2), vec![1, 2, 3, 3, 5]);
        assert_eq!(walk(&index, desc, 2), vec![5, 3, 3, 2, 1]);
        let by_name = Sort {
            field: Field::Name,
            direction: Direction::Ascending,
        };
        assert_eq!(walk(&index, by_name, 1), vec![1, 5, 2, 3, 3]);
        // Ties on the value keep the id order: (3, id 0) before (3, id 4) ascending.
        let first = index.page(asc, None, 3, |_| true);
        assert_eq!(first.next.as_ref().unwrap().id, id(0));
    }

    #[test]
    fn upsert_replaces_a_row_with_the_same_id() {
        let mut index = index(&[(1, "a"), (2, "b")]);
        index.upsert(&id(0), Arc::new(Row { n: 9, name: "z" }));
        assert_eq!(index.len(), 2);
        let asc = Sort {
            field: Field::N,
            direction: Direction::Ascending,
        };
        assert_eq!(walk(&index, asc, 10), vec![2, 9]);
    }

    #[test]
    fn a_page_exactly_full_has_no_next_cursor() {
        let index = index(&[(1, "a"), (2, "b")]);
        let asc = Sort {
            field: Field::N,
            direction: Direction::Ascending,
        };
        assert!(index.page(asc, None, 2, |_| true).next.is_none());
        assert!(index.page(asc, None, 1, |_| true).next.is_some());
    }
}
