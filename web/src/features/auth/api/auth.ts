import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client';
import type { LoginBody, Session } from '../../../api/types';
import { forgetCustomerData, SESSION_KEY } from '../../../session/session';

export function login(body: LoginBody): Promise<Session> {
  return call(api.POST('/auth/login', { body }));
}

export async function logout(csrfToken: string): Promise<void> {
  await call(api.POST('/auth/logout', { params: { header: { 'X-CSRF-Token': csrfToken } } }));
}

/** Signs in; the new session replaces whatever an earlier customer left in the cache. */
export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (session) => {
      forgetCustomerData(queryClient);
      queryClient.setQueryData(SESSION_KEY, session);
    },
  });
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
