package io.livepush.internal;

import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A connection's subscriptions: a compact array searched linearly, keyed by topic name. Connections follow
 * few topics (at most {@code maxTopicsPerConnection}, 64 by default), and an idle connection with one
 * subscription costs one small array instead of a hash map with its table and nodes. Loop-confined.
 */
final class SubscriptionSet extends AbstractCollection<Subscription> {
  private static final Subscription[] EMPTY = new Subscription[0];
  private Subscription[] items = EMPTY;
  private int size;

  Subscription get(String topic) {
    for (int i = 0; i < size; i++) {
      if (items[i].topic.name.equals(topic)) {
        return items[i];
      }
    }
    return null;
  }

  boolean containsKey(String topic) {
    return get(topic) != null;
  }

  /** Adds {@code s}; the caller checked that its topic is not present. */
  void put(Subscription s) {
    if (size == items.length) {
      items = Arrays.copyOf(items, Math.max(1, size * 2));
    }
    items[size++] = s;
  }

  Subscription remove(String topic) {
    for (int i = 0; i < size; i++) {
      Subscription s = items[i];
      if (s.topic.name.equals(topic)) {
        items[i] = items[--size];
        items[size] = null;
        return s;
      }
    }
    return null;
  }

  List<String> names() {
    List<String> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(items[i].topic.name);
    }
    return out;
  }

  @Override
  public void clear() {
    items = EMPTY;
    size = 0;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Iterator<Subscription> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < size;
      }

      @Override
      public Subscription next() {
        if (next >= size) {
          throw new NoSuchElementException();
        }
        return items[next++];
      }
    };
  }
}
