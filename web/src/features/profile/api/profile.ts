import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call } from '../../../api/client';
import type { PasswordChangeBody, ProfilePatch, Session } from '../../../api/types';
import { profileKey, profileQuery, updateProfile } from '../../../session/profileLanguage';
import { SESSION_KEY } from '../../../session/session';

export { profileKey, profileQuery };

export function useUpdateProfile(customerId: string, csrfToken: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ProfilePatch) => updateProfile(customerId, csrfToken, body),
    onSuccess: async (profile) => {
      queryClient.setQueryData(profileKey(customerId), profile);
      // The session carries the language: read it again.
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
    },
  });
}

/** Changes the password; the answer is the new session (other sessions end). */
export function useChangePassword(csrfToken: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PasswordChangeBody): Promise<Session> =>
      call(api.POST('/auth/password', { params: { header: { 'X-CSRF-Token': csrfToken } }, body })),
    onSuccess: (session) => {
      queryClient.setQueryData(SESSION_KEY, session);
    },
  });
}
